"""`siyada doctor`: what this machine and the model server can do, which model fits,
how to bring it without internet, how fast a review will be, and whether the
workspace's functions fit the context.

One module per job: `tools.py` (running a system tool), `machine.py` (RAM and cores),
`gpus.py` (GPUs and their memory), `model_server.py` (the configured server),
`recommend.py` (the model that fits), `gguf.py` (GGUF files at hand),
`ollama_folder.py` (where Ollama keeps models here), `bring_model.py` (bringing a
missing model to a machine without internet), `speed.py` (one timed request),
`workspace.py` (the workspace's functions in prompt tokens), `report.py` (the report
and its JSON), `render.py` (text and Markdown), `run.py` (all of it together) and
`command.py` (the command line).
"""
