-- wrk script: each connection sends its next request DELAY_MS after the last answer, so that
-- many connections each carry about one request at a time, as the wire runner's are (a
-- moderate rate spread over hundreds of connections, not a few connections flat out).
-- Usage: wrk -t2 -c512 -d8s -s scripts/perf/paced.lua -H "Authorization: Bearer KEY" URL -- DELAY_MS
-- (0: flat out)
local pause = 0

function init(args)
  if args[1] then pause = tonumber(args[1]) end
end

function delay()
  return pause
end
