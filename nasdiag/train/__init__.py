"""Architecture to nn.Module, the training loop and per-process seeding and threads."""
