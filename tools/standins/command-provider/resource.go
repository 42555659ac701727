package main

// The resource lifecycle RPCs: Check, Diff, Create, Read, Update, Delete.

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

func urnType(urn string) string { return string(resource.URN(urn).Type()) }

func urnName(urn string) string { return resource.URN(urn).Name() }

func unmarshal(s *structpb.Struct, label string) (resource.PropertyMap, error) {
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{
		Label: label, KeepUnknowns: true, KeepSecrets: true, SkipNulls: true,
	})
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: cannot read the properties: %v", label, err)
	}
	return m, nil
}

func marshal(m resource.PropertyMap, label string) (*structpb.Struct, error) {
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{Label: label, KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%s: cannot write the properties: %v", label, err)
	}
	return s, nil
}

// failed turns a command error into a gRPC error the engine prints as is.
func failed(err error) error { return status.Error(codes.Unknown, err.Error()) }

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	kind, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "check")
	if err != nil {
		return nil, err
	}
	checked, failures := check(kind, news)
	inputs, err := marshal(checked, "check")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	kind, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "diff.olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "diff.news")
	if err != nil {
		return nil, err
	}
	return diff(kind, olds, news, req.GetIgnoreChanges())
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	kind, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetProperties(), "create")
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" {
		name = urnName(req.GetUrn())
	}
	id, err := resource.NewUniqueHex(name, 8, 0)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "create: cannot make an id: %v", err)
	}
	outs := news.Copy()
	if req.GetPreview() {
		outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
		outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
	} else {
		cmd, err := parseCommand(kind, news)
		if err != nil {
			return nil, failed(err)
		}
		stdout, stderr := "", ""
		if cmd.create != nil {
			ctx, cancel := p.opContext(ctx)
			defer cancel()
			if stdout, stderr, err = cmd.run(ctx, *cmd.create); err != nil {
				return nil, failed(err)
			}
		}
		outs["stdout"] = resource.NewStringProperty(stdout)
		outs["stderr"] = resource.NewStringProperty(stderr)
	}
	props, err := marshal(outs, "create")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if _, err := kindOf(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	// A command has nothing to read back: the state stays as it is.
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	kind, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "update.olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "update.news")
	if err != nil {
		return nil, err
	}
	outs := news.Copy()
	for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
		if v, ok := olds[k]; ok {
			outs[k] = v
		} else {
			outs[k] = resource.NewStringProperty("")
		}
	}
	if req.GetPreview() {
		// The script runs again: its outputs are unknown until then.
		outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
		outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
	} else {
		cmd, err := parseCommand(kind, outs) // new inputs, previous outputs
		if err != nil {
			return nil, failed(err)
		}
		script := cmd.update
		if script == nil {
			script = cmd.create
		}
		if script != nil {
			ctx, cancel := p.opContext(ctx)
			defer cancel()
			stdout, stderr, err := cmd.run(ctx, *script)
			if err != nil {
				return nil, failed(err)
			}
			outs["stdout"] = resource.NewStringProperty(stdout)
			outs["stderr"] = resource.NewStringProperty(stderr)
		}
	}
	props, err := marshal(outs, "update")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	kind, err := kindOf(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "delete")
	if err != nil {
		return nil, err
	}
	if _, ok := lookup(state, "delete"); !ok {
		return &emptypb.Empty{}, nil
	}
	cmd, err := parseCommand(kind, state)
	if err != nil {
		return nil, failed(err)
	}
	ctx, cancel := p.opContext(ctx)
	defer cancel()
	if _, _, err := cmd.run(ctx, *cmd.delete); err != nil {
		return nil, failed(err)
	}
	return &emptypb.Empty{}, nil
}
