"""Performance benchmarks of seedance-magic against fal_client.subscribe (`benchmarks/run`)."""
