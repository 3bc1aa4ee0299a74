"""Benchmarks through the public path (files → load_dataset → assess → outputs), with peers."""
