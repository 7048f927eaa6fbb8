-- wrk: vector tiles at zooms 10-14 around the points of bench/points.txt, in turn.
local points, counter, threads = {}, 0, {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines("bench/points.txt") do
    local lon, lat = line:match("^(%S+)%s+(%S+)")
    if lon then points[#points + 1] = { tonumber(lon), tonumber(lat) } end
  end
  counter = (tid or 0) * 97
end

function request()
  counter = counter + 1
  local p = points[(counter % #points) + 1]
  local z = 10 + (counter % 5)
  local n = 2 ^ z
  local x = math.floor((p[1] + 180) / 360 * n)
  local lat = math.rad(p[2])
  local y = math.floor((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n)
  return wrk.format("GET", string.format("/v1/tiles/vacancies/%d/%d/%d.mvt", z, x, y))
end

done = dofile("bench/result.lua")

response = dofile("bench/load/errors.lua")
