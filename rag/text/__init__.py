"""Text at the bottom of the flow: the offset map (``offsets``) and the Chinese-language rules (``zh``)."""
