// Package config holds the run configuration: a YAML file in which every
// setting has a default (Default), checked by Validate. The effective
// configuration is printed by `recon run --print-config` and its hash goes
// into the manifest, so a run can be tied to the rules it applied.
//
//	cfg, err := config.Load(path) // "" gives Default()
//	if err != nil { ... }
package config
