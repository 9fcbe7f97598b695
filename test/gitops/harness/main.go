// gitops-harness runs the shipped Argo CD Lua scripts and Flux CEL health expressions the way
// Argo CD and Flux run them, so the tests exercise the interpreters those tools embed:
// github.com/yuin/gopher-lua (Argo CD) and github.com/google/cel-go (Flux).
//
// Input on stdin: a JSON array of requests; output on stdout: a JSON array of results, in order.
//
//	{"op":"health","script":"…","obj":{…}}      → {"status":"Healthy","message":"…"}
//	{"op":"discovery","script":"…","obj":{…}}   → {"actions":{"promote":{"disabled":false}}}
//	{"op":"action","script":"…","obj":{…}}      → {"object":{…}}  (the returned object)
//	{"op":"cel","checks":{"current":"…","inProgress":"…","failed":"…"},"obj":{…}}
//	                                            → {"status":"Current|InProgress|Failed"}
//
// The Lua contract mirrors Argo CD's (written from its documentation, no Argo CD code): the
// object is a global table `obj` (JSON numbers become Lua numbers), the libraries are base,
// table, string and math (no io, no os), a health script returns a table with `status` (one of
// Healthy, Progressing, Degraded, Suspended, Missing, Unknown) and `message`; a discovery script
// returns a table of action name → {disabled=…}; an action script returns the changed object,
// whose empty tables become `[]` where the input had an array there.
//
// The CEL contract mirrors Flux's healthCheckExprs (RFC-0009, fluxcd/pkg runtime/cel): the same
// environment options, expressions parsed (not compiled) and evaluated with the object's
// top-level fields as variables (`metadata`, `status`, …); a status.observedGeneration that differs from
// metadata.generation is InProgress without evaluating anything; otherwise inProgress, failed and
// current are evaluated in that order and the first true one wins; none true → InProgress; an
// evaluation error is reported as an error (Flux fails the health check).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	lua "github.com/yuin/gopher-lua"
)

type request struct {
	Op     string            `json:"op"`
	Script string            `json:"script,omitempty"`
	Obj    map[string]any    `json:"obj"`
	Checks map[string]string `json:"checks,omitempty"`
}

type result struct {
	Status  string         `json:"status,omitempty"`
	Message string         `json:"message,omitempty"`
	Actions map[string]any `json:"actions,omitempty"`
	Object  map[string]any `json:"object,omitempty"`
	Error   string         `json:"error,omitempty"`
}

var healthStatuses = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

func main() {
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var reqs []request
	if err := json.Unmarshal(raw, &reqs); err != nil {
		fail(err)
	}
	out := make([]result, 0, len(reqs))
	for _, r := range reqs {
		res, err := run(r)
		if err != nil {
			res = result{Error: err.Error()}
		}
		out = append(out, res)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gitops-harness:", err)
	os.Exit(2)
}

func run(r request) (result, error) {
	switch r.Op {
	case "health", "discovery", "action":
		return runLua(r)
	case "cel":
		return runCel(r)
	default:
		return result{}, fmt.Errorf("unknown op %q", r.Op)
	}
}

func runLua(r request) (result, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return result{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	L.SetContext(ctx)
	L.SetGlobal("obj", toLua(L, r.Obj))
	if err := L.DoString(r.Script); err != nil {
		return result{}, err
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return result{}, fmt.Errorf("script returned %s, not a table", L.Get(-1).Type())
	}
	switch r.Op {
	case "health":
		status, _ := ret.RawGetString("status").(lua.LString)
		message, _ := ret.RawGetString("message").(lua.LString)
		if !healthStatuses[string(status)] {
			return result{}, fmt.Errorf("health status %q is not one Argo CD knows", string(status))
		}
		return result{Status: string(status), Message: string(message)}, nil
	case "discovery":
		actions, _ := fromLua(ret, map[string]any{}).(map[string]any)
		return result{Actions: actions}, nil
	default:
		object, ok := fromLua(ret, r.Obj).(map[string]any)
		if !ok {
			return result{}, fmt.Errorf("action returned a list, not an object")
		}
		return result{Object: object}, nil
	}
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch t := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(t)
	case float64:
		return lua.LNumber(t)
	case string:
		return lua.LString(t)
	case []any:
		tbl := L.NewTable()
		for _, e := range t {
			tbl.Append(toLua(L, e))
		}
		return tbl
	case map[string]any:
		tbl := L.NewTable()
		for k, e := range t {
			tbl.RawSetString(k, toLua(L, e))
		}
		return tbl
	default:
		panic(fmt.Sprintf("unexpected JSON value %T", v))
	}
}

// fromLua converts back; `shape` is the input value at the same place, used only to tell an
// empty list from an empty object (Lua has one empty table).
func fromLua(v lua.LValue, shape any) any {
	switch t := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(t)
	case lua.LNumber:
		return float64(t)
	case lua.LString:
		return string(t)
	case *lua.LTable:
		n := t.MaxN()
		keys := 0
		t.ForEach(func(lua.LValue, lua.LValue) { keys++ })
		if keys == 0 {
			if _, isList := shape.([]any); isList {
				return []any{}
			}
			return map[string]any{}
		}
		if n == keys {
			shapeList, _ := shape.([]any)
			list := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				var s any
				if i <= len(shapeList) {
					s = shapeList[i-1]
				}
				list = append(list, fromLua(t.RawGetInt(i), s))
			}
			return list
		}
		shapeMap, _ := shape.(map[string]any)
		m := map[string]any{}
		t.ForEach(func(k, e lua.LValue) {
			key := k.String()
			m[key] = fromLua(e, shapeMap[key])
		})
		return m
	default:
		return fmt.Sprintf("<%s>", v.Type())
	}
}

func runCel(r request) (result, error) {
	obj, ok := integral(r.Obj).(map[string]any)
	if !ok {
		return result{}, fmt.Errorf("obj is not an object")
	}
	if status, ok := obj["status"].(map[string]any); ok {
		if og, has := status["observedGeneration"].(int64); has {
			meta, _ := obj["metadata"].(map[string]any)
			if g, has := meta["generation"].(int64); has && g != og {
				return result{Status: "InProgress"}, nil
			}
		}
	}
	env, err := cel.NewEnv(cel.HomogeneousAggregateLiterals(), cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true), cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(),
		ext.Strings(), ext.Sets(), ext.Encoders())
	if err != nil {
		return result{}, err
	}
	for _, c := range []struct{ key, status string }{{"inProgress", "InProgress"}, {"failed", "Failed"}, {"current", "Current"}} {
		expr := r.Checks[c.key]
		if expr == "" {
			continue
		}
		// Parsed, not compiled: the variables are whatever top-level fields the object has.
		ast, iss := env.Parse(expr)
		if iss != nil && iss.Err() != nil {
			return result{}, fmt.Errorf("%s: %w", c.key, iss.Err())
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", c.key, err)
		}
		val, _, err := prg.Eval(obj)
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", c.key, err)
		}
		b, ok := val.(types.Bool)
		if !ok {
			return result{}, fmt.Errorf("%s: result %v is not a bool", c.key, val)
		}
		if b {
			return result{Status: c.status}, nil
		}
	}
	return result{Status: "InProgress"}, nil
}

// integral makes whole JSON numbers int64, as in the unstructured objects Flux evaluates.
func integral(v any) any {
	switch t := v.(type) {
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = integral(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = integral(e)
		}
		return out
	default:
		return v
	}
}
