"""The policykg benchmark (issue 8): ``bench/run`` measures loading, query latency (library, raw
engine, HTTP), throughput and footprint; ``python -m bench.report`` renders results as Markdown."""
