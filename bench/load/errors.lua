-- Shared by the load scripts: every answer that is not a success, its status and the start of
-- its body, in $BENCH_OUT/errors_$BENCH_NAME.txt (one file per kind; a thread appends).
local path = os.getenv("BENCH_OUT") and
  (os.getenv("BENCH_OUT") .. "/errors_" .. (os.getenv("BENCH_NAME") or "load") .. ".txt")
local log = nil

return function(status, headers, body)
  if status < 400 then return end
  if log == nil and path then log = io.open(path, "a") end
  if log then
    log:write(status, " ", (body or ""):sub(1, 300):gsub("\n", " "), "\n")
    log:flush()
  end
end
