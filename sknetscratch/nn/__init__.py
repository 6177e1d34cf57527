"""The network: activations, initializers, layers, normalisation, losses, the
flat parameter layout and the summary table. Imports NumPy only."""
