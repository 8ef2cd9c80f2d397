"""Stage 1, the input: YAML files read as untrusted data (yamlfile), the content model and its
loader, the text walker, and themes."""
