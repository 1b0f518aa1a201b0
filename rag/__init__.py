"""TownBrief (镇情通): trustworthy Q&A and briefs over Chinese local-government documents."""

__version__ = "0.1.0"
