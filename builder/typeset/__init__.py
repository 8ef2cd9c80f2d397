"""Stage 2, the type: fonts and their coverage, clreq rule tables, the Chinese line composer,
paragraph flowables, and the record of what the layout prints."""
