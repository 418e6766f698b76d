"""The small trained parts: the specificity and hostility heads, the voice
model, the pair features, the originality thresholds and the reply seeds."""
