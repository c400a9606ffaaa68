"""Models: the Encoder protocol, its runtimes (ONNX, torch) and what they share."""
