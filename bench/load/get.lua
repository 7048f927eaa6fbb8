-- wrk: GET requests from a template, with values taken in turn from bench/points.txt
-- ({lon} {lat}), a word list ({word}) or BENCH_IDS, one per line ({id}).
-- BENCH_AUTH: a key sent as Authorization: Bearer.
local points, words, ids = {}, {}, {}
local counter = 0
local template
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines("bench/points.txt") do
    local lon, lat = line:match("^(%S+)%s+(%S+)")
    if lon then points[#points + 1] = { lon, lat } end
  end
  -- '+' for the spaces: a '%' would be a capture in gsub's replacement.
  words = { "ke+toan", "cong+nhan", "tai+xe", "may", "ban+hang", "dien", "bao+ve",
            "ky+thuat", "nhan+vien", "giao+vien", "ke+tona", "thu+kho" }
  local path = os.getenv("BENCH_IDS")
  if path then for line in io.lines(path) do ids[#ids + 1] = line end end
  template = os.getenv("BENCH_PATH")
  local key = os.getenv("BENCH_AUTH")
  if key then wrk.headers["Authorization"] = "Bearer " .. key end
  counter = (tid or 0) * 97
end

function request()
  counter = counter + 1
  local p = points[(counter % #points) + 1]
  local path = template:gsub("{lon}", p[1]):gsub("{lat}", p[2])
  path = path:gsub("{word}", words[(counter % #words) + 1])
  if #ids > 0 then path = path:gsub("{id}", ids[(counter % #ids) + 1]) end
  return wrk.format("GET", path)
end

done = dofile("bench/result.lua")

response = dofile("bench/load/errors.lua")
