// ScriptLocation of dpf's Glue jobs. Glue requires a script for every job; dpf's jobs run the Java main
// class named by --class from the jar named by --extra-jars, so this file only has to compile.
object DpfGlueScript
