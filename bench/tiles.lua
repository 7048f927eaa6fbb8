-- wrk script: one request per tile of a fixed list, round robin (bench/tiles.sh).
-- Environment:
--   BENCH_TILES  file of "z x y [etag]" lines
--   BENCH_PATH   request path template; {z} {x} {y} are replaced
--   BENCH_ETAG   1: send each tile's ETag as If-None-Match (a client revalidating its cache)
-- Every thread starts at another offset; done() prints one machine-readable RESULT line.

local tiles = {}
local counter = 0
local threads = {}
local template, send_etag

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_TILES")) do
    local z, x, y, etag = line:match("^(%d+)%s+(%d+)%s+(%d+)%s*(%S*)")
    if z then tiles[#tiles + 1] = { z, x, y, etag } end
  end
  template = os.getenv("BENCH_PATH")
  send_etag = os.getenv("BENCH_ETAG") == "1"
  counter = (tid or 0) * 37
end

function request()
  counter = counter + 1
  local t = tiles[(counter % #tiles) + 1]
  local path = template:gsub("{z}", t[1]):gsub("{x}", t[2]):gsub("{y}", t[3])
  local headers = {}
  if send_etag and t[4] ~= "" then headers["If-None-Match"] = t[4] end
  return wrk.format("GET", path, headers)
end

done = dofile("bench/result.lua")
