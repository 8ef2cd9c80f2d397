"""Stage 5, the pages: the story of flowables, body pages and running heads (document), cover,
openers and back cover (pages), tables (scorecard), charts."""
