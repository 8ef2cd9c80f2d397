"""ReportLab, the engine that lays out and writes the PDF, as the rest of the code sees it.

`platypus.py` is the one place that imports ReportLab's layout classes (it defers a slow
regex). Every private ReportLab name the project touches will be gathered here too.
"""
