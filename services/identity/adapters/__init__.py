"""Adapters: the I/O the identity domain needs (MongoDB, argon2id, SMTP), behind its ports."""
