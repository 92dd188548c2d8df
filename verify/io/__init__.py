"""Importers and exporters: ONNX, PyTorch."""
