-- PaymentIntent create + confirm as create-confirm.lua, each request under an Idempotency-Key
-- of its own (thread number and counter), so that every answer is one the server keeps to replay:
-- wrk -t1 -c16 -d20s -s Benchmarks/wrk/create-confirm-idempotent.lua http://127.0.0.1:4242/v1/payment_intents
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end

local counter = 0

function request()
    counter = counter + 1
    local headers = {}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Authorization"] = "Bearer sk_test_wrk_benchmark_key"
    headers["Idempotency-Key"] = "wrk-" .. tostring(thread_number) .. "-" .. tostring(counter)
    return wrk.format(
        "POST", nil, headers, "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[order]=42")
end
