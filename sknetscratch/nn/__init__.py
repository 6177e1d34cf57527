"""The network: :mod:`.activations`, :mod:`.initializers`, :mod:`.layers`
(normalisation included), :mod:`.losses`, :mod:`.penalties`, the flat
parameter vectors (:mod:`.parameters`), the training memory of a fit
(:mod:`.workspace`), :mod:`.network` (``Network``: forward, backward,
stateless inference), input checks (:mod:`.inputs`) and the summary table
(:mod:`.summary`). Imports NumPy only (and :mod:`sknetscratch.backend`, the
array namespace it computes with)."""
