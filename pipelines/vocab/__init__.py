"""The shared vocabulary, the bottom layer: text normalisation, amounts and units, classification
codes, grid primitives. It imports nothing above it; every other layer may import it."""
