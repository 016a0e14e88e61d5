import os
import lit.formats

config.name = "qcc"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "CMakeLists.txt", "README.md"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qcc_build_root, "test")
config.environment["PATH"] = os.pathsep.join(
    [os.path.join(config.qcc_build_root, "bin"), config.llvm_bin, config.environment.get("PATH", "")])
# qcc compile keeps libqrt's compiled objects in a cache keyed by the compiler,
# the flags and the runtime's sources: one cache for every test of the suite,
# in the build tree (only the first compile for a target builds libqrt), or
# $QCC_TEST_CACHE_DIR: tools/run-sanitizers.sh points it at the normal build's
# cache, whose objects are the same bytes (the same compiler and flags).
config.environment["QCC_CACHE_DIR"] = os.environ.get("QCC_TEST_CACHE_DIR") or os.path.join(
    config.qcc_build_root, "test", "qrt-cache")
config.substitutions.append(("%models", os.path.join(config.qcc_src_root, "models")))
config.substitutions.append(("%src", config.qcc_src_root))
# test/Plugin: the plugins built by test/Plugin/CMakeLists.txt, and what it
# takes to build one against an installed qcc.
config.substitutions.append(("%plugin_dir", os.path.join(config.qcc_build_root, "test", "Plugin")))
config.substitutions.append(("%build_root", config.qcc_build_root))
config.substitutions.append(("%cmake", config.cmake))
config.substitutions.append(("%cc", config.cc))
config.substitutions.append(("%mlir_include", config.mlir_include))
# The ASan + UBSan build (-DQCC_SANITIZE=ON, tools/run-sanitizers.sh): tests
# that also build the compiled models' C with the sanitizers (REQUIRES:
# sanitize). `lit --param sanitize=1` runs them in any build.
if config.qcc_sanitize.upper() in ("ON", "1", "TRUE", "YES") or lit_config.params.get("sanitize"):
    config.available_features.add("sanitize")
