"""Files: the safe model format (:mod:`.persistence`), ONNX export
(:mod:`.onnx`), CSV tables for the command line (:mod:`.csv`)."""
