"""ReportLab, the engine that lays out and writes the PDF, as the rest of the code sees it.

`platypus.py` is the one place that imports ReportLab's layout classes (it defers a slow
regex); `private.py` is the one place that touches ReportLab's private names, each behind a
small function, listed in `private.RELIANCES` and checked by tests/test_engine_private.py.
"""
