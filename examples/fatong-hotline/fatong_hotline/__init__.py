"""12348 热线: the public legal service hotline's call log, an example third-party plugin.

The entry point names ``fatong_hotline.plugin``; everything from Fatong's core comes through
``core.sdk`` only.
"""
