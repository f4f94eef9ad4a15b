"""Running the whole product on one machine: the embedded Redis and the demo/test stack."""
