"""The command line on top: argument parsing (main), which content and output to use (inputs),
batches, release, watch, the scaffold and the JSON schemas."""
