"""Stage 3, the content rules: findings about the content before layout (check) and the rewrites
`brochure check --fix` makes (fix)."""
