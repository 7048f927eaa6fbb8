-- wrk script: one request per line of a fixed list of paths, round robin (bench/ogc.sh).
-- Environment:
--   BENCH_PATHS  file of request paths (with their query strings), one per line
-- Every thread starts at another offset; done() prints one machine-readable RESULT line.

local paths = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  counter = (tid or 0) * 37
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = dofile("bench/result.lua")
