-- wrk: an employer posting vacancies, each new (its title and Idempotency-Key are unique),
-- at one of the points of BENCH_POINTS (places inside a commune; bench/load.sh writes them).
local points, counter, threads = {}, 0, {}
local run = tostring(os.time())

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_POINTS") or "bench/points.txt") do
    local lon, lat = line:match("^(%S+)%s+(%S+)")
    if lon then points[#points + 1] = { lon, lat } end
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_AUTH")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local p = points[(counter % #points) + 1]
  local body = string.format([[{"title": "Công nhân lắp ráp %s-%d-%d",
    "description": "Lắp ráp linh kiện điện tử theo ca.", "occupation_code": "82",
    "employment_type": "full_time", "salary": {"min": 7000000, "max": 9000000},
    "contact": {"name": "Phòng nhân sự", "phone": "0912 345 678"},
    "sites": [{"positions": 3, "coordinates": {"lon": %s, "lat": %s}}]}]],
    run, tid or 0, counter, p[1], p[2])
  wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid or 0, counter)
  return wrk.format("POST", "/v1/vacancies", nil, body)
end

done = dofile("bench/result.lua")

response = dofile("bench/load/errors.lua")
