"""Inference runtimes shared by the neural backends: ONNX Runtime sessions and torch devices."""
