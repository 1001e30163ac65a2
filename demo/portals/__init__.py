"""The four simulated legacy portals, one module each, on the shared `base.DemoPortal`."""
