package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// checkConfigKeys refuses what encoding/json would quietly accept in a
// config: a key that appears twice in one object (the decoder keeps the
// last, so the first is silently lost) and a key that differs from a
// config field only in case, such as "Machines" or "ID" (the decoder
// matches names case-insensitively, so a document that looks wrong would
// load). It also refuses an unknown key at the top level or in a machine,
// where the decode would name the key but not where it is. The error names
// the key, the object it is in and its line and column. On input it cannot walk it returns nil: the decode then reports
// the error with its position.
func checkConfigKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*keyScope
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *keyScope
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxKeyDepth {
				return nil
			}
			stack = append(stack, &keyScope{object: tok == json.Delim('{'), path: top.childPath(), seen: map[string]bool{}})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				// Only the first value is the config; what follows it is
				// the decode's to report.
				return nil
			}
			stack[len(stack)-1].valueDone()
			continue
		}
		if top == nil {
			return nil // not an object: the decode says so
		}
		if !top.object || top.key != "" {
			top.valueDone()
			continue
		}
		key, _ := tok.(string)
		if top.seen[key] {
			line, col := position(data, keyStart(data, before))
			return fmt.Errorf("line %d, column %d: key %q appears twice %s", line, col, key, top.where())
		}
		// strings.EqualFold folds as encoding/json matches names, "K"
		// (the Kelvin sign) and "ſ" included. No two field names fold
		// alike, so at most one matches; only the names of the object's
		// own place are offered.
		known := top.knownKeys()
		names := known
		if names == nil {
			names = configFieldNames // deeper, where the decode refuses the value
		}
		for _, name := range names {
			if key != name && strings.EqualFold(key, name) {
				line, col := position(data, keyStart(data, before))
				return fmt.Errorf("line %d, column %d: key %q %s must be written %q: keys are case-sensitive", line, col, key, top.where(), name)
			}
		}
		if known != nil && !slices.Contains(known, key) {
			line, col := position(data, keyStart(data, before))
			return fmt.Errorf("line %d, column %d: unknown field %q %s; want one of %s", line, col, key, top.where(), strings.Join(known, ", "))
		}
		top.seen[key] = true
		top.key = key
	}
}

// knownKeys are the keys an object at s's place may hold: the document's
// own at the top level, a machine's in an element of "machines", nil
// (not checked here) anywhere else, where the decode refuses the value.
func (s *keyScope) knownKeys() []string {
	switch {
	case !s.object:
		return nil
	case s.path == "":
		return docFieldNames
	case strings.HasPrefix(s.path, "machines[") && !strings.Contains(s.path, "."):
		return machineFieldNames
	}
	return nil
}

// maxKeyDepth bounds the nesting checkConfigKeys follows; deeper input is
// left to the decode, which refuses it.
const maxKeyDepth = 64

// keyScope is one object or list being walked.
type keyScope struct {
	object bool
	// path names the scope for errors: "" for the document, "machines",
	// "machines[2]".
	path string
	seen map[string]bool
	// key is the object's key whose value comes next, "" between members;
	// index counts a list's elements so far.
	key   string
	index int
}

func (s *keyScope) valueDone() {
	if s.object {
		s.key = ""
		return
	}
	s.index++
}

// childPath is the path of the value about to start in s.
func (s *keyScope) childPath() string {
	switch {
	case s == nil:
		return ""
	case !s.object:
		return s.path + "[" + strconv.Itoa(s.index) + "]"
	case s.path == "":
		return s.key
	}
	return s.path + "." + s.key
}

func (s *keyScope) where() string {
	if s.path == "" {
		return "at the top level"
	}
	return "in " + s.path
}

// keyStart is the offset of the opening quote of the key whose token
// starts after offset from: past the separators and spaces before it.
func keyStart(data []byte, from int64) int64 {
	i := from
	for i < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
		i++
	}
	return i
}

// docFieldNames and machineFieldNames are the keys of a config document
// and of one of its machines; configFieldNames are both.
var (
	docFieldNames     = jsonFieldNames(configDocType)
	machineFieldNames = jsonFieldNames(reflect.TypeFor[MachineSpec]())
	configFieldNames  = append(slices.Clip(docFieldNames), machineFieldNames...)
)

func jsonFieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "-" {
			names = append(names, name)
		}
	}
	return names
}
