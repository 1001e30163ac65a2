"""The data plane, below the resolvers: loaders, sources, record cache and breakers."""
