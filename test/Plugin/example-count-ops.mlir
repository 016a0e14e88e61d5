// The example plugin's pass (conv_only_quantizer.c): qcc op counts per function on
// standard error, the IR unchanged; options are checked when the pipeline is parsed.
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p example-count-ops 2>&1 >/dev/null | FileCheck %s
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'example-count-ops{kind=relu}' 2>&1 >/dev/null | FileCheck %s --check-prefix=KIND
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'example-count-ops,qcc-dce' 2>/dev/null | FileCheck %s --check-prefix=IR
// RUN: not qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'example-count-ops{kind=nope}' 2>&1 | FileCheck %s --check-prefix=BADKIND
// RUN: not qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'example-count-ops{op=relu}' 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: qcc-opt %s --load-plugin=%plugin_dir/conv_only_quantizer.so -p 'example-count-ops{kind=nope}' 2>/dev/null; test $? -eq 2
// Unknown without the plugin.
// RUN: not qcc-opt %s -p example-count-ops 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// --list-passes shows what the plugin registered, and the plugin.
// RUN: qcc-opt --load-plugin=%plugin_dir/conv_only_quantizer.so --list-passes | FileCheck %s --check-prefix=LIST
// Loading the same file twice is harmless (registered once).
// RUN: qcc-opt --list-passes --load-plugin=%plugin_dir/conv_only_quantizer.so --load-plugin=%plugin_dir/conv_only_quantizer.so | FileCheck %s --check-prefix=LIST

// CHECK: example-count-ops: @two: 3 qcc ops (relu 2, sigmoid 1)
// CHECK-NEXT: example-count-ops: @none: 0 qcc ops ()
// KIND: example-count-ops: @two: 2 relu
// KIND-NEXT: example-count-ops: @none: 0 relu
// IR: "qcc.sigmoid"
// BADKIND: example-count-ops: 'nope' is not a qcc op
// BADOPT: example-count-ops: unknown option 'op' (kind)
// NOPLUGIN: unknown or malformed pass 'example-count-ops'
// LIST: passes:
// LIST: qcc-annotate
// LIST: example-count-ops Print the number of qcc ops of each kind in each function
// LIST: quantizers (qcc-annotate{quantizer=NAME}):
// LIST: x86
// LIST: conv-only int8 convolutions only
// LIST: plugins:
// LIST-NEXT: conv-only-example 1.0 {{.*}}conv_only_quantizer.so
// LIST-NOT: conv-only-example
func.func @two(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "qcc.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "qcc.sigmoid"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %c = "qcc.relu"(%b) : (tensor<4xf32>) -> tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @none(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
