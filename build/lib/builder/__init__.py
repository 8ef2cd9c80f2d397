"""brochure: YAML content and CJK fonts in, a typeset, print-ready PDF brochure out."""
