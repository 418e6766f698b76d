"""Text features that need no model: surface style, concrete details, stock
phrases and the brand's rules."""
