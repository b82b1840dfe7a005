"""`make bench`: measure the platform on this machine and write BENCHMARKS.md.

The platform is started exactly as the end-to-end tests start it (embedded servers on
free ports, a dedicated RabbitMQ vhost, the services and the gateway as real processes),
loaded with a small structure, then measured: raw Nameko RPC round trips, and the gateway
under 1, 8 and 32 concurrent keep-alive clients. Timings live here, never in tests.
"""
