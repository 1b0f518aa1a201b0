"""`rag serve`: the HTTP service (api.py), its OpenAI shapes (openai_compat.py), the model
gate (queue.py), and the client `rag ask` uses to reach it (client.py)."""
