-- wrk script: creates confirmed PaymentIntents for one merchant as fast as the server takes
-- them, each with its own Visa number (the fraud engine declines a card seen too often), in a
-- mix of currencies and amounts, so that the dashboard's list pages have a day's payments to
-- filter. Usage: wrk -t2 -c16 -d60s -s scripts/perf/populate.lua http://127.0.0.1:4242 -- KEY [DELAY_MS]
-- (DELAY_MS: each connection pauses that long after each answer; 0, flat out, by default)
local counter = 0
local pause = 0
local thread_id = 0
local key = "sk_test_perf_merchant"
local currencies = {"usd", "usd", "usd", "eur", "gbp", "jpy"}

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  if args[1] then key = args[1] end
  if args[2] then pause = tonumber(args[2]) end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Bearer " .. key
end

local function luhn(body)
  local total = 0
  local double = true
  for index = #body, 1, -1 do
    local digit = tonumber(body:sub(index, index))
    if double then
      digit = digit * 2
      if digit > 9 then digit = digit - 9 end
    end
    total = total + digit
    double = not double
  end
  return tostring((10 - total % 10) % 10)
end

function request()
  counter = counter + 1
  local body = string.format("4242%d%010d", thread_id % 10, counter)
  local pan = body .. luhn(body)
  local currency = currencies[counter % #currencies + 1]
  local amount = 100 + (counter * 7919) % 50000
  return wrk.format(nil, "/v1/payment_intents",
    nil,
    "amount=" .. amount .. "&currency=" .. currency .. "&confirm=true" ..
    "&payment_method_data[type]=card&payment_method_data[card][number]=" .. pan ..
    "&description=order+" .. counter)
end

function delay()
  return pause
end
