"""Measurement of speed, scale and load (``python -m eval bench``, ``python -m eval.bench.load``,
``python -m eval.bench.embedders``); judging answers stays in ``eval``. Nothing in the product
imports this package.

- :mod:`.perf`: the benchmark's sections, plan and targets; :mod:`.table` its output.
- :mod:`.scale` (embedder throughput, retrieval at 1k-100k chunks) over :mod:`.synth` articles.
- :mod:`.process`: cold start, serve memory and LLM first token, each in a fresh process.
- :mod:`.baseline`: the plain LlamaIndex pipeline we compare against.
- :mod:`.load` with :mod:`.loadmix`: concurrent gradio_client sessions against the app.
- :mod:`.embedders`: every embedder side by side in depth.
- :mod:`.common`: the helpers they share (backends, percentiles, ports, the app launcher).
"""
