-- osm2pgsql flex style of the job map (osm2pgsql 1.8): what `jobmap osm load` keeps of an
-- OpenStreetMap extract. Roads and ferries (for the basemap and the routing graph), water,
-- places and a few land uses; no buildings, no addresses, nothing else.
--
-- The tables go into the schema named by JOBMAP_OSM_SCHEMA (a fresh osm_load_* schema that is
-- swapped in as `osm` once the graph is built and checked: app/osm/service.py). Geometries are
-- EPSG:4326 (lon, lat), like the rest of the database.
--
-- Tag interpretation lives here, once: the road class, who may use a way (by Vietnamese law
-- and by access tags), the direction of one-way streets, maxspeed in km/h. Speeds per class and
-- mode do not: they are in the table travel_speed, which operators edit.

local schema = os.getenv('JOBMAP_OSM_SCHEMA')
if not schema or schema == '' then
    error('JOBMAP_OSM_SCHEMA is not set (run the import with `jobmap osm load`)')
end

local tables = {}

tables.road = osm2pgsql.define_way_table('road', {
    { column = 'class', type = 'text', not_null = true },  -- highway=* value, or 'ferry'
    { column = 'name', type = 'text' },
    { column = 'ref', type = 'text' },
    -- 1: only along the way's direction, -1: only against it, 0: both.
    { column = 'oneway', type = 'int2', not_null = true },
    { column = 'oneway_bicycle', type = 'int2', not_null = true },
    { column = 'bridge', type = 'bool', not_null = true },
    { column = 'tunnel', type = 'bool', not_null = true },
    { column = 'maxspeed', type = 'int4' },  -- km/h
    { column = 'motorbike', type = 'bool', not_null = true },
    { column = 'bicycle', type = 'bool', not_null = true },
    { column = 'foot', type = 'bool', not_null = true },
    { column = 'duration_s', type = 'int4' },  -- a ferry's crossing time, when tagged
    -- The way's node ids: ways are split into edges where they share a node (not where they
    -- merely cross on the map: a bridge does not meet the road under it).
    { column = 'nodes', sql_type = 'int8[]', not_null = true },
    { column = 'geom', type = 'linestring', projection = 4326, not_null = true },
}, { schema = schema })

tables.waterway = osm2pgsql.define_way_table('waterway', {
    { column = 'kind', type = 'text', not_null = true },  -- river, canal, stream, drain, ditch
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'linestring', projection = 4326, not_null = true },
}, { schema = schema })

tables.water = osm2pgsql.define_area_table('water', {
    { column = 'kind', type = 'text', not_null = true },  -- river, canal, lake, pond, ...
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'geometry', projection = 4326, not_null = true },
}, { schema = schema })

tables.landuse = osm2pgsql.define_area_table('landuse', {
    { column = 'kind', type = 'text', not_null = true },  -- industrial, marketplace
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'geometry', projection = 4326, not_null = true },
}, { schema = schema })

tables.place = osm2pgsql.define_node_table('place', {
    { column = 'kind', type = 'text', not_null = true },  -- place=* value
    { column = 'name', type = 'text', not_null = true },
    { column = 'population', type = 'int4' },
    { column = 'geom', type = 'point', projection = 4326, not_null = true },
}, { schema = schema })

-- Road classes kept, with who may use them when no access tag says otherwise. Motorbikes may
-- not use expressways (highway=motorway in Vietnam: Luật Trật tự, an toàn giao thông đường bộ
-- 2024, art. 26); the speed table has no motorway row for them either.
local ROADS = {
    motorway       = { motorbike = false, bicycle = false, foot = false },
    motorway_link  = { motorbike = false, bicycle = false, foot = false },
    trunk          = { motorbike = true, bicycle = true, foot = true },
    trunk_link     = { motorbike = true, bicycle = true, foot = true },
    primary        = { motorbike = true, bicycle = true, foot = true },
    primary_link   = { motorbike = true, bicycle = true, foot = true },
    secondary      = { motorbike = true, bicycle = true, foot = true },
    secondary_link = { motorbike = true, bicycle = true, foot = true },
    tertiary       = { motorbike = true, bicycle = true, foot = true },
    tertiary_link  = { motorbike = true, bicycle = true, foot = true },
    unclassified   = { motorbike = true, bicycle = true, foot = true },
    residential    = { motorbike = true, bicycle = true, foot = true },
    living_street  = { motorbike = true, bicycle = true, foot = true },
    service        = { motorbike = true, bicycle = true, foot = true },
    track          = { motorbike = true, bicycle = true, foot = true },
    road           = { motorbike = true, bicycle = true, foot = true },
    pedestrian     = { motorbike = false, bicycle = true, foot = true },
    cycleway       = { motorbike = false, bicycle = true, foot = true },
    path           = { motorbike = false, bicycle = true, foot = true },
    footway        = { motorbike = false, bicycle = false, foot = true },
    steps          = { motorbike = false, bicycle = false, foot = true },
}

-- Access values that close a way to a mode (destination, permissive, yes... leave it open).
local CLOSED = { no = true, private = true, agricultural = true, forestry = true,
                 delivery = true, use_sidepath = true }

-- The first of the keys (most specific first) that is tagged decides; else the default.
local function access(tags, keys, default)
    for _, key in ipairs(keys) do
        local value = tags[key]
        if value then
            return not CLOSED[value]
        end
    end
    return default
end

local MOTORBIKE_KEYS = { 'motorcycle', 'motor_vehicle', 'vehicle', 'access' }
local BICYCLE_KEYS = { 'bicycle', 'vehicle', 'access' }
local FOOT_KEYS = { 'foot', 'access' }

local function direction(value)
    if value == 'yes' or value == '1' or value == 'true' then
        return 1
    elseif value == '-1' or value == 'reverse' then
        return -1
    end
    return 0
end

local function oneway(tags)
    if tags.oneway then
        return direction(tags.oneway)
    end
    -- Implied one-way: roundabouts and expressways.
    if tags.junction == 'roundabout' or tags.junction == 'circular'
        or tags.highway == 'motorway' then
        return 1
    end
    return 0
end

-- maxspeed in km/h: "60", "60 km/h", "40 mph"; anything else (e.g. "VN:urban") is unknown.
local function maxspeed(value)
    if not value then
        return nil
    end
    local number, unit = value:match('^%s*(%d+%.?%d*)%s*(%a*/?%a*)%s*$')
    if not number then
        return nil
    end
    local kmh = tonumber(number)
    if unit == 'mph' then
        kmh = kmh * 1.609
    elseif unit ~= '' and unit ~= 'km/h' and unit ~= 'kmh' then
        return nil
    end
    return math.floor(kmh + 0.5)
end

-- duration=HH:MM, HH:MM:SS or minutes, in seconds.
local function duration(value)
    if not value then
        return nil
    end
    local h, m, s = value:match('^(%d+):(%d+):(%d+)$')
    if h then
        return tonumber(h) * 3600 + tonumber(m) * 60 + tonumber(s)
    end
    h, m = value:match('^(%d+):(%d+)$')
    if h then
        return tonumber(h) * 3600 + tonumber(m) * 60
    end
    m = value:match('^(%d+%.?%d*)$')
    if m then
        return math.floor(tonumber(m) * 60 + 0.5)
    end
    return nil
end

local function yes(value)
    return value ~= nil and value ~= 'no'
end

-- The way's node ids as a PostgreSQL array, a node repeated in a row kept once: the
-- linestring keeps one point for it, and the graph cuts ways by matching ids to points. (Two
-- different nodes at one position also become one point; such ways are left out and counted.)
local function node_list(object)
    local ids = {}
    for _, id in ipairs(object.nodes) do
        if id ~= ids[#ids] then
            ids[#ids + 1] = id
        end
    end
    return '{' .. table.concat(ids, ',') .. '}'
end

local function add_road(object)
    local tags = object.tags
    local defaults = ROADS[tags.highway]
    if not defaults or tags.area == 'yes' then
        return
    end
    local way_oneway = oneway(tags)
    local bicycle_oneway = way_oneway
    if tags['oneway:bicycle'] then
        bicycle_oneway = direction(tags['oneway:bicycle'])
    end
    tables.road:insert({
        class = tags.highway,
        name = tags.name,
        ref = tags.ref,
        oneway = way_oneway,
        oneway_bicycle = bicycle_oneway,
        bridge = yes(tags.bridge),
        tunnel = yes(tags.tunnel),
        maxspeed = maxspeed(tags.maxspeed),
        -- Expressways stay closed to motorbikes whatever the tags say (the law, not access).
        motorbike = defaults.motorbike and access(tags, MOTORBIKE_KEYS, true),
        bicycle = access(tags, BICYCLE_KEYS, defaults.bicycle),
        foot = access(tags, FOOT_KEYS, defaults.foot),
        nodes = node_list(object),
        geom = object:as_linestring(),
    })
end

local function add_ferry(object)
    local tags = object.tags
    tables.road:insert({
        class = 'ferry',
        name = tags.name,
        ref = tags.ref,
        oneway = oneway(tags),
        oneway_bicycle = oneway(tags),
        bridge = false,
        tunnel = false,
        motorbike = access(tags, MOTORBIKE_KEYS, true),
        bicycle = access(tags, BICYCLE_KEYS, true),
        foot = access(tags, FOOT_KEYS, true),
        duration_s = duration(tags.duration),
        nodes = node_list(object),
        geom = object:as_linestring(),
    })
end

local WATERWAYS = { river = true, canal = true, stream = true, drain = true, ditch = true }
local WATER_AREAS = { water = true, riverbank = true }

-- What kind of water an area is, or nil.
local function water_kind(tags)
    if tags.natural == 'water' then
        return tags.water or 'water'
    elseif tags.waterway == 'riverbank' then
        return 'river'
    elseif tags.landuse == 'reservoir' or tags.landuse == 'basin' then
        return tags.landuse
    end
    return nil
end

local function landuse_kind(tags)
    if tags.landuse == 'industrial' then
        return 'industrial'
    elseif tags.amenity == 'marketplace' then
        return 'marketplace'
    end
    return nil
end

local PLACES = { province = true, state = true, city = true, town = true, suburb = true,
                 quarter = true, village = true, hamlet = true, municipality = true }

function osm2pgsql.process_node(object)
    local tags = object.tags
    if PLACES[tags.place] and tags.name then
        tables.place:insert({
            kind = tags.place,
            name = tags.name,
            population = tonumber(tags.population),
            geom = object:as_point(),
        })
    end
    -- Markets are often tagged on a node only.
    local kind = landuse_kind(tags)
    if kind then
        tables.landuse:insert({ kind = kind, name = tags.name, geom = object:as_point() })
    end
end

function osm2pgsql.process_way(object)
    local tags = object.tags
    if tags.highway then
        add_road(object)
    elseif tags.route == 'ferry' then
        add_ferry(object)
    end
    if WATERWAYS[tags.waterway] then
        tables.waterway:insert({ kind = tags.waterway, name = tags.name,
                                 geom = object:as_linestring() })
    end
    if object.is_closed then
        local kind = water_kind(tags)
        if kind then
            tables.water:insert({ kind = kind, name = tags.name, geom = object:as_polygon() })
        end
        kind = landuse_kind(tags)
        if kind then
            tables.landuse:insert({ kind = kind, name = tags.name, geom = object:as_polygon() })
        end
    end
end

function osm2pgsql.process_relation(object)
    local tags = object.tags
    if tags.type ~= 'multipolygon' then
        return
    end
    local kind = water_kind(tags)
    if kind then
        tables.water:insert({ kind = kind, name = tags.name, geom = object:as_multipolygon() })
    end
    kind = landuse_kind(tags)
    if kind then
        tables.landuse:insert({ kind = kind, name = tags.name, geom = object:as_multipolygon() })
    end
end
