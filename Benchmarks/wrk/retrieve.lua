-- PaymentIntent retrieve of one existing payment (create it first, see PERFORMANCE.md):
-- wrk -t2 -c32 -d20s --latency -s Benchmarks/wrk/retrieve.lua http://127.0.0.1:4242/v1/payment_intents/pi_00000000000001
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer sk_test_wrk_benchmark_key"
