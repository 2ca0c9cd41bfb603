-- wrk script: onboards a new merchant per request as the wire runner does (POST /admin/merchants
-- with its webhook endpoint's URL), each connection pausing DELAY_MS after each answer (0: flat
-- out). Nothing listens at the URL: no payment is made, so no event is sent there.
-- Usage: wrk -t2 -c512 -d8s -s scripts/perf/onboard.lua http://127.0.0.1:PORT -- DELAY_MS
local pause = 0
local counter = 0

function init(args)
  if args[1] then pause = tonumber(args[1]) end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  return wrk.format(nil, "/admin/merchants", nil,
    "settlement_currency=usd&webhook_url=http%3A%2F%2F127.0.0.1%3A8449%2Fhook%2Fm" .. counter)
end

function delay()
  return pause
end
