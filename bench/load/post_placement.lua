-- wrk: the department recording placements, each a new person and Idempotency-Key.
local counter, threads = 0, {}
local run = tostring(os.time())

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_AUTH")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format([[{"placed_on": "2026-11-02", "employer_name": "Công ty Thử",
    "person": {"person_ref": "bench-%s-%d-%d", "sex": "female", "birth_year": 1996,
               "trained": true, "residence_commune_code": "29551"},
    "destination": "domestic", "channel": "job_map"}]], run, tid or 0, counter)
  wrk.headers["Idempotency-Key"] = string.format("bench-p-%s-%d-%d", run, tid or 0, counter)
  return wrk.format("POST", "/v1/placements", nil, body)
end

done = dofile("bench/result.lua")

response = dofile("bench/load/errors.lua")
