-- wrk script: one request per fixed centre of bench/points.txt, round robin.
-- Environment:
--   BENCH_POINTS  path of points.txt (default bench/points.txt)
--   BENCH_PATH    request path template; {lon} {lat} {bbox} are replaced
--   BENCH_HALF    half side of the bbox in degrees (0.025 -> a 0.05 degree box)
-- Every thread starts at a different offset of the list, so the requests differ but
-- every run makes the same ones. done() prints one machine-readable RESULT line.

local points = {}
local counter = 0
local threads = {}

local function load_points()
  local path = os.getenv("BENCH_POINTS") or "bench/points.txt"
  for line in io.lines(path) do
    local lon, lat = line:match("^(%S+)%s+(%S+)")
    if lon then points[#points + 1] = { tonumber(lon), tonumber(lat) } end
  end
end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local template, half

function init(args)
  load_points()
  template = os.getenv("BENCH_PATH")
  half = tonumber(os.getenv("BENCH_HALF") or "0.025")
  counter = (tid or 0) * 97
end

function request()
  counter = counter + 1
  local p = points[(counter % #points) + 1]
  local lon, lat = p[1], p[2]
  local bbox = string.format("%.6f,%.6f,%.6f,%.6f", lon - half, lat - half, lon + half, lat + half)
  local path = template:gsub("{lon}", string.format("%.6f", lon))
                       :gsub("{lat}", string.format("%.6f", lat))
                       :gsub("{bbox}", bbox)
  return wrk.format("GET", path)
end

done = dofile("bench/result.lua")
