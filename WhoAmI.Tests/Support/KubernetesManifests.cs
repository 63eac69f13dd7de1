using System.Collections;
using System.Reflection;
using k8s;
using k8s.Models;

namespace WhoAmI.Tests.Support;

/// <summary>
/// Reads Kubernetes manifests the way the API server would refuse them: each document into its API type with the
/// KubernetesClient models, strictly (an unknown or misspelled field and a value of the wrong type throw), then
/// the fields the API marks required. No cluster is needed.
/// </summary>
public static class KubernetesManifests
{
    /// <summary>The required fields of the types deploy/k8s uses, as the Kubernetes API reference marks them
    /// (the models do not carry that mark). A type not listed has no required field.</summary>
    static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(V1DeploymentSpec)] = [nameof(V1DeploymentSpec.Selector), nameof(V1DeploymentSpec.Template)],
        [typeof(V1PodSpec)] = [nameof(V1PodSpec.Containers)],
        [typeof(V1Container)] = [nameof(V1Container.Name)],
        [typeof(V1ContainerPort)] = [nameof(V1ContainerPort.ContainerPort)],
        [typeof(V1HTTPGetAction)] = [nameof(V1HTTPGetAction.Port)],
        [typeof(V1SleepAction)] = [nameof(V1SleepAction.Seconds)],
        [typeof(V1SeccompProfile)] = [nameof(V1SeccompProfile.Type)],
        [typeof(V1TopologySpreadConstraint)] = [nameof(V1TopologySpreadConstraint.MaxSkew),
            nameof(V1TopologySpreadConstraint.TopologyKey), nameof(V1TopologySpreadConstraint.WhenUnsatisfiable)],
        [typeof(V1LabelSelectorRequirement)] = [nameof(V1LabelSelectorRequirement.Key), nameof(V1LabelSelectorRequirement.OperatorProperty)],
        [typeof(V1ServicePort)] = [nameof(V1ServicePort.Port)],
        [typeof(V1EnvVar)] = [nameof(V1EnvVar.Name)],
    };

    /// <summary>Every document in <paramref name="yaml"/> as its API type; throws <see cref="InvalidDataException"/>
    /// (or YamlDotNet's exception) naming what is wrong.</summary>
    public static IReadOnlyList<object> Load(string yaml)
    {
        var objects = KubernetesYaml.LoadAllFromString(yaml, strict: true);
        foreach (var item in objects)
        {
            var name = (item as IMetadata<V1ObjectMeta>)?.Metadata?.Name;
            if (string.IsNullOrEmpty(name))
            {
                throw new InvalidDataException($"{item.GetType().Name}: metadata.name is required");
            }

            CheckRequired(item, $"{item.GetType().Name}/{name}");
        }

        return objects;
    }

    static void CheckRequired(object value, string path)
    {
        var type = value.GetType();
        foreach (var required in Required.GetValueOrDefault(type, []))
        {
            var property = type.GetProperty(required)!;
            if (property.GetValue(value) is null or ICollection { Count: 0 })
            {
                throw new InvalidDataException($"{path}: {JsonName(property)} is required");
            }
        }

        foreach (var property in type.GetProperties())
        {
            switch (property.GetValue(value))
            {
                case string:
                    break;
                case IEnumerable items when property.PropertyType.IsGenericType:
                    var index = 0;
                    foreach (var item in items)
                    {
                        if (item is not null && item.GetType().Namespace == typeof(V1Pod).Namespace)
                        {
                            CheckRequired(item, $"{path}.{JsonName(property)}[{index}]");
                        }

                        index++;
                    }

                    break;
                case { } child when child.GetType().Namespace == typeof(V1Pod).Namespace:
                    CheckRequired(child, $"{path}.{JsonName(property)}");
                    break;
            }
        }
    }

    static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? property.Name;
}
