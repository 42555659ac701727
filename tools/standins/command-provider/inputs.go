package main

// Inputs of command:remote:Command and command:local:Command: validation and defaults (Check),
// the diff of old and new inputs (Diff), and parsing into a command for create/update/delete.

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// inputKeys are the input properties of each type; Diff compares only these (stdout and stderr
// are outputs).
var inputKeys = map[string][]string{
	remoteCommand: {"addPreviousOutputInEnv", "connection", "create", "delete", "environment", "logging",
		"stdin", "triggers", "update"},
	localCommand: {"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
		"environment", "interpreter", "logging", "stdin", "triggers", "update"},
}

// replaceKeys force a replacement when they change (the schema's replaceOnChanges).
var replaceKeys = map[string]bool{"triggers": true}

var loggingValues = []string{"stdout", "stderr", "stdoutAndStderr", "none"}

// plain unwraps a secret (there are none while AcceptSecrets is false, but state may hold some).
func plain(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func lookup(m resource.PropertyMap, key string) (resource.PropertyValue, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok || v.IsNull() {
		return resource.PropertyValue{}, false
	}
	return plain(v), true
}

// show renders a value for an error message: strings quoted, numbers plain, others by type.
func show(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return strconv.Quote(v.StringValue())
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64)
	case v.IsBool():
		return strconv.FormatBool(v.BoolValue())
	}
	return "a " + v.TypeString()
}

type checker struct{ failures []*pulumirpc.CheckFailure }

func (c *checker) fail(path, reason string) {
	c.failures = append(c.failures, &pulumirpc.CheckFailure{Property: path, Reason: reason})
}

// known returns the value at key when it is present and known.
func known(m resource.PropertyMap, key string) (resource.PropertyValue, bool) {
	v, ok := lookup(m, key)
	if !ok || v.ContainsUnknowns() {
		return v, false
	}
	return v, true
}

func (c *checker) str(m resource.PropertyMap, key, path string) {
	if v, ok := known(m, key); ok && !v.IsString() {
		c.fail(path, fmt.Sprintf("%s: must be a string, not %s", path, v.TypeString()))
	}
}

func (c *checker) integer(m resource.PropertyMap, key, path string, lo, hi float64) {
	v, ok := known(m, key)
	if !ok {
		return
	}
	if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) || v.NumberValue() < lo || v.NumberValue() > hi {
		c.fail(path, fmt.Sprintf("%s: must be a whole number from %v to %v, not %s", path, lo, hi, show(v)))
	}
}

func (c *checker) stringMap(m resource.PropertyMap, key, path string) {
	v, ok := known(m, key)
	if !ok {
		return
	}
	if !v.IsObject() {
		c.fail(path, fmt.Sprintf("%s: must be a map of strings, not %s", path, v.TypeString()))
		return
	}
	for k, e := range v.ObjectValue() {
		if e = plain(e); !e.IsNull() && !e.ContainsUnknowns() && !e.IsString() {
			c.fail(path+"."+string(k), fmt.Sprintf("%s.%s: must be a string, not %s", path, k, e.TypeString()))
		}
	}
}

func setDefault(m resource.PropertyMap, key string, v resource.PropertyValue) {
	if cur, ok := m[resource.PropertyKey(key)]; !ok || cur.IsNull() {
		m[resource.PropertyKey(key)] = v
	}
}

// checkEndpoint validates a connection or proxy object and applies its defaults in place.
func (c *checker) checkEndpoint(m resource.PropertyMap, path string) {
	if v, ok := lookup(m, "host"); !ok {
		c.fail(path+".host", path+".host: missing (set the address of the SSH server)")
	} else if !v.ContainsUnknowns() && (!v.IsString() || v.StringValue() == "") {
		c.fail(path+".host", path+".host: must be a non-empty string (set the address of the SSH server)")
	}
	for _, k := range []string{"user", "password", "privateKey", "privateKeyPassword", "hostKey", "agentSocketPath"} {
		c.str(m, k, path+"."+k)
	}
	c.integer(m, "port", path+".port", 1, 65535)
	c.integer(m, "dialErrorLimit", path+".dialErrorLimit", -1, math.MaxInt32)
	c.integer(m, "perDialTimeout", path+".perDialTimeout", 0, math.MaxInt32)
	setDefault(m, "user", resource.NewStringProperty("root"))
	setDefault(m, "port", resource.NewNumberProperty(22))
	setDefault(m, "dialErrorLimit", resource.NewNumberProperty(10))
	setDefault(m, "perDialTimeout", resource.NewNumberProperty(15))
}

// check validates news and returns them with the schema defaults applied.
func check(kind string, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	out := news.Copy()
	var c checker
	for _, k := range []string{"create", "update", "delete", "stdin"} {
		c.str(out, k, k)
	}
	c.stringMap(out, "environment", "environment")
	if v, ok := known(out, "logging"); ok && (!v.IsString() || !contains(loggingValues, v.StringValue())) {
		c.fail("logging", fmt.Sprintf("logging: must be one of %s, not %s", strings.Join(loggingValues, ", "), show(v)))
	}
	if v, ok := known(out, "addPreviousOutputInEnv"); ok && !v.IsBool() {
		c.fail("addPreviousOutputInEnv", "addPreviousOutputInEnv: must be a boolean, not "+v.TypeString())
	}
	setDefault(out, "addPreviousOutputInEnv", resource.NewBoolProperty(true))
	switch kind {
	case remoteCommand:
		conn, ok := lookup(out, "connection")
		switch {
		case !ok:
			c.fail("connection", "connection: missing (set connection.host and the credentials)")
		case conn.IsComputed():
		case !conn.IsObject():
			c.fail("connection", "connection: must be an object, not "+conn.TypeString())
		default:
			cm := conn.ObjectValue().Copy()
			c.checkEndpoint(cm, "connection")
			if proxy, ok := lookup(cm, "proxy"); ok && !proxy.IsComputed() {
				if !proxy.IsObject() {
					c.fail("connection.proxy", "connection.proxy: must be an object, not "+proxy.TypeString())
				} else {
					pm := proxy.ObjectValue().Copy()
					c.checkEndpoint(pm, "connection.proxy")
					cm["proxy"] = resource.NewObjectProperty(pm)
				}
			}
			out["connection"] = resource.NewObjectProperty(cm)
		}
	case localCommand:
		c.str(out, "dir", "dir")
		if v, ok := known(out, "interpreter"); ok {
			if !v.IsArray() || len(v.ArrayValue()) == 0 {
				c.fail("interpreter", "interpreter: must be a non-empty list of strings (default [\"/bin/sh\", \"-c\"])")
			}
		}
		for _, k := range []string{"assetPaths", "archivePaths"} {
			if _, ok := lookup(out, k); ok {
				c.fail(k, k+": not supported by vk8s's command provider stand-in (collect files with a separate command)")
			}
		}
	}
	return out, c.failures
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func inputsOf(kind string, m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, k := range inputKeys[kind] {
		if v, ok := m[resource.PropertyKey(k)]; ok && !v.IsNull() {
			out[resource.PropertyKey(k)] = v
		}
	}
	return out
}

// diff compares the old inputs kept in the state with the new inputs.
func diff(kind string, olds, news resource.PropertyMap, ignoreChanges []string) (*pulumirpc.DiffResponse, error) {
	news = news.Copy()
	for _, p := range ignoreChanges {
		path, err := resource.ParsePropertyPath(p)
		if err != nil {
			return nil, fmt.Errorf("ignoreChanges: %q is not a property path: %w", p, err)
		}
		if old, ok := path.Get(resource.NewObjectProperty(olds)); ok {
			path.Set(resource.NewObjectProperty(news), old)
		} else {
			path.Delete(resource.NewObjectProperty(news))
		}
	}
	objDiff := inputsOf(kind, olds).Diff(inputsOf(kind, news))
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	if objDiff == nil || !objDiff.AnyChanges() {
		return resp, nil
	}
	resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	changed, replaced := map[string]bool{}, map[string]bool{}
	for path, d := range plugin.NewDetailedDiffFromObjectDiff(objDiff, false) {
		top := topKey(path)
		kind := d.Kind
		if replaceKeys[top] {
			kind = kind.AsReplace()
			replaced[top] = true
		}
		changed[top] = true
		resp.DetailedDiff[path] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_Kind(kind), InputDiff: true}
	}
	resp.Diffs = sortedSet(changed)
	resp.Replaces = sortedSet(replaced)
	return resp, nil
}

func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func optString(m resource.PropertyMap, key string) *string {
	if v, ok := lookup(m, key); ok && v.IsString() {
		s := v.StringValue()
		return &s
	}
	return nil
}

func intOr(m resource.PropertyMap, key string, def int) int {
	if v, ok := lookup(m, key); ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return def
}

func parseEndpoint(m resource.PropertyMap, path string) endpoint {
	e := endpoint{
		path:               path,
		port:               intOr(m, "port", 22),
		user:               "root",
		password:           optString(m, "password"),
		privateKey:         optString(m, "privateKey"),
		privateKeyPassword: optString(m, "privateKeyPassword"),
		hostKey:            optString(m, "hostKey"),
		agentSocketPath:    optString(m, "agentSocketPath"),
		dialErrorLimit:     intOr(m, "dialErrorLimit", 10),
		perDialTimeout:     intOr(m, "perDialTimeout", 15),
	}
	if h := optString(m, "host"); h != nil {
		e.host = *h
	}
	if u := optString(m, "user"); u != nil {
		e.user = *u
	}
	return e
}

// parseCommand reads a checked input (or state) map into a command.
func parseCommand(kind string, m resource.PropertyMap) (*command, error) {
	c := &command{
		kind:                   kind,
		create:                 optString(m, "create"),
		update:                 optString(m, "update"),
		delete:                 optString(m, "delete"),
		stdin:                  optString(m, "stdin"),
		addPreviousOutputInEnv: true,
		environment:            map[string]string{},
	}
	if l := optString(m, "logging"); l != nil {
		c.logging = *l
	}
	if v, ok := lookup(m, "addPreviousOutputInEnv"); ok && v.IsBool() {
		c.addPreviousOutputInEnv = v.BoolValue()
	}
	if v, ok := lookup(m, "environment"); ok && v.IsObject() {
		for k, e := range v.ObjectValue() {
			if e = plain(e); e.IsString() {
				c.environment[string(k)] = e.StringValue()
			}
		}
	}
	if s := optString(m, "stdout"); s != nil {
		c.stdout = *s
	}
	if s := optString(m, "stderr"); s != nil {
		c.stderr = *s
	}
	switch kind {
	case remoteCommand:
		conn, ok := lookup(m, "connection")
		if !ok || !conn.IsObject() {
			return nil, fmt.Errorf("connection: missing (set connection.host and the credentials)")
		}
		c.conn.target = parseEndpoint(conn.ObjectValue(), "connection")
		if c.conn.target.host == "" {
			return nil, fmt.Errorf("connection.host: missing (set the address of the SSH server)")
		}
		if proxy, ok := lookup(conn.ObjectValue(), "proxy"); ok && proxy.IsObject() {
			p := parseEndpoint(proxy.ObjectValue(), "connection.proxy")
			c.conn.proxy = &p
		}
	case localCommand:
		if d := optString(m, "dir"); d != nil {
			c.dir = *d
		}
		if v, ok := lookup(m, "interpreter"); ok && v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e = plain(e); e.IsString() {
					c.interpreter = append(c.interpreter, e.StringValue())
				}
			}
		}
	}
	return c, nil
}
