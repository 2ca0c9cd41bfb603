-- PaymentIntent create + confirm with automatic capture, as an SDK sends it:
-- wrk -t2 -c32 -d20s --latency -s Benchmarks/wrk/create-confirm.lua http://127.0.0.1:4242/v1/payment_intents
wrk.method = "POST"
wrk.body = "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[order]=42"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer sk_test_wrk_benchmark_key"
